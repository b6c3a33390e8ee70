"""The session around a transfer: build, validate, record locally, send, spool."""
