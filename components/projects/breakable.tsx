import { Fragment } from "react";

/** A long identifier (a project name, `cluster/name`) that wraps after its hyphens and slashes, not mid-word. */
export function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[-/])/);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </>
  );
}
