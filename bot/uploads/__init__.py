"""Evidence uploads: images checked by content, stored per case, read offline (OCR)."""
