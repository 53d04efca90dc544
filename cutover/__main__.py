from cutover.cli import console_entry

console_entry()
