"""Errors of the catalog: folders, dataset settings, trash, properties."""

from voxhub.errors import Conflict, InvalidInput, NotFound


class FolderNotFound(NotFound):
    code = "folder_not_found"


class BadFolderMove(InvalidInput):
    code = "bad_folder_move"


class FolderNotEmpty(Conflict):
    code = "folder_not_empty"


class ConfirmationMismatch(InvalidInput):
    code = "confirmation_mismatch"


class TrashNotFound(NotFound):
    code = "trash_entry_not_found"


class BadViewConfiguration(InvalidInput):
    code = "bad_view_configuration"


class DatastoreNotFound(NotFound):
    code = "datastore_not_found"


class BadMetadataEntries(InvalidInput):
    code = "bad_metadata"


class HeldByDatastore(Conflict):
    """The dataset's files are on an external datastore: change them there."""

    code = "held_by_datastore"
