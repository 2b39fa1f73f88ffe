"""Use cases: async functions taking the transaction's session; they never commit."""
