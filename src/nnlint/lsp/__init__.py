"""The nnlint language server: the static checker's diagnostics and fixes, live in the editor.

``server.py`` wires pygls (document sync, debounced checks, publishing, code
actions) over ``protocol.py`` (every request answered, bad input never an error
popup); ``checking.py`` runs each check, under the CLI's size and time caps and
a memory cap, in the process ``worker.py`` (killed and restarted when a check
overruns), which checks with ``documents.py``; ``messages.py`` is what the two
processes say to each other. ``units.py`` converts columns to the encoding the
client negotiated; ``actions.py`` turns fixes into code actions. Nothing here
imports or runs the user's code.
"""
