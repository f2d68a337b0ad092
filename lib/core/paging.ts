/** Rows per page every paged table offers (the query schemas accept exactly these; see pagingShape). */
export const PAGE_SIZES = [25, 50, 100] as const;
