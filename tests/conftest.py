import os

# Qt runs offscreen in every test run, with or without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
