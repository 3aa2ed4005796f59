"""The nnlint language server: the static checker's diagnostics and fixes, live in the editor.

``server.py`` wires pygls (document sync, debounced checks, publishing, code
actions); ``documents.py`` checks a document's text with its workspace's
settings; ``units.py`` converts columns to the encoding the client negotiated;
``actions.py`` turns fixes into code actions. Only ``server.py`` starts
anything; nothing here imports or runs the user's code.
"""
