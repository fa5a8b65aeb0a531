// Placeholder until the emulator lands (issue 4).
