/** Props of a page that reads its search params (the table state in the URL). */
export interface SearchPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** Props of an org page under /orgs/[org] that reads its search params. */
export interface OrgSearchPageProps extends SearchPageProps {
  params: Promise<{ org: string }>;
}
