/** Name of the one-shot cookie that carries a toast across a server action's redirect. */
export const FLASH_COOKIE = "flash";
