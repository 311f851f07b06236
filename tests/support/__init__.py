"""What the tests share, so that no test module imports another test module (tests/test_architecture.py).

imports: the admin's import and export, as a user goes through them; pages: every address of the app and
which of them are public; pdf: an independent check of our tagged PDFs.
"""
