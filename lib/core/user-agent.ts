/**
 * A short human name for a browser from its User-Agent header ("Firefox on Linux"), for the Sessions list.
 * Deliberately small: the common browsers and systems, in the order that disambiguates them (Edge and Opera
 * also say Chrome; Chrome also says Safari; iOS browsers all say Safari).
 */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\/[\d.]+/, "Edge"],
  [/\b(OPR|Opera)\/[\d.]+/, "Opera"],
  [/\bSamsungBrowser\/[\d.]+/, "Samsung Internet"],
  [/\b(Firefox|FxiOS)\/[\d.]+/, "Firefox"],
  [/\b(Chrome|CriOS|Chromium)\/[\d.]+/, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/\bcurl\/[\d.]+/, "curl"],
  [/\b(python-requests|aiohttp)\//, "Python"],
];

const SYSTEMS: [RegExp, string][] = [
  [/\b(iPhone|iPad|iPod)\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

export function describeUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return "Unknown device";
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? "Unknown device";
}
