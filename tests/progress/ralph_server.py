"""Run Ralph's LRS (its FastAPI app under uvicorn) for the tests: ``python ralph_server.py PORT``.

Ralph 5.1's file-system LRS backend writes every POST in ``create`` mode, so the second POST to
its one statements file fails; appending is what an LRS on a file needs, so it is set here.
Configuration comes from Ralph's own ``RALPH_*`` environment variables.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

if __name__ == "__main__":
    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
