"""Singer target that reconciles corrections and versions into current rows."""
