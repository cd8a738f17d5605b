"""Syncing with 1C: counterparty import (match, create, update, mark missing) and the local mirror."""
