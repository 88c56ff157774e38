"""One API view per operation (HackSoft style): parse, call one service or selector, render."""
