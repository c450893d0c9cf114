"""An external datastore node (``voxhub serve --datastore``): its link to the hub, the
access answers it caches, and the loop that registers its datasets and beats."""

from voxhub.datastore.access import HubAccess
from voxhub.datastore.link import HubLink
from voxhub.datastore.node import DatastoreNode

__all__ = ["DatastoreNode", "HubAccess", "HubLink"]
