"""Pure rules of the member import: template, safe reading, validation, dry run, log and commands.

Nothing in this package does I/O beyond reading and writing xlsx bytes in memory.
"""
