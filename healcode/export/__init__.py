"""Writers: every file healcode produces is written here, atomically."""
