"""The cashier application (PySide6); the only package of the project that imports Qt."""
