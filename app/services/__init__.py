"""The verbs of the app: every change to the database goes through a function here."""
