"""Resumable uploads (resumable.js-shaped): reserve, send chunks, finish into a job."""
