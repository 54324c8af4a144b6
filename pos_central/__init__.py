"""Reference central service for POS Member tills (the other half of the sync contract)."""
