"""Importing this module ends the process with exit code 3: a worker that dies at start
(``--load worker_pid_crash:connector``)."""

import os

os._exit(3)
