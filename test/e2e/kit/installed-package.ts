// Moved to scripts/real-cli/installed-package.ts (the real-CLI benchmark uses it too).
export * from "../../../scripts/real-cli/installed-package";
