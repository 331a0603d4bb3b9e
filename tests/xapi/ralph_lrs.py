"""Ralph's LRS for the tests (`python tests/xapi/ralph_lrs.py PORT`), file-system backend.

Ralph's file-system backend writes its statements file once (operation CREATE): it takes
the first POST and refuses every later one with a 500. The one change made here is that
it appends instead; validating statements, keeping one copy of an id it already has and
answering 409 to a different statement under that id stay Ralph's own xAPI handling.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
