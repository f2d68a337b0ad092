export const CHROMIUM_ARGS: string[];
export function systemChromium(): string | undefined;
