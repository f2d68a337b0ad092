import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";

/**
 * Header cells for the Admin tables. The screen-reader-only label sits in a positioned box: an absolutely
 * positioned `sr-only` span whose containing block lies outside the table's scroll container would escape
 * its clipping and widen the whole page on a phone.
 */
export function ActionsHeader() {
  return (
    <span className="relative block">
      <span className="sr-only">Actions</span>
    </span>
  );
}

export function RightHeader({ label }: { label: string }) {
  return <span className="block text-right">{label}</span>;
}

/** What an empty Admin table says: a title, then what to do about it. */
export function EmptyTable({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <>
      <span className="block font-medium text-fg">{title}</span>
      {children}
    </>
  );
}

/** A destructive row action (Revoke, Delete, Remove): a quiet red button named for its row. */
export function DangerRowButton({
  label,
  children,
  onClick,
}: {
  label: string;
  children: ReactNode;
  onClick: () => void;
}) {
  return (
    <Button variant="ghost" size="sm" className="text-danger" aria-label={label} onClick={onClick}>
      {children}
    </Button>
  );
}

/** An Admin card around one table: title, description, the button that adds a row, the table, its dialogs. */
export function TableCard({
  title,
  description,
  add,
  children,
  dialogs,
}: {
  title: string;
  description: ReactNode;
  add: { label: string; testId: string; onClick: () => void };
  children: ReactNode;
  dialogs?: ReactNode;
}) {
  return (
    <Card>
      <CardHeader
        title={title}
        description={description}
        actions={
          <Button variant="secondary" onClick={add.onClick} data-testid={add.testId}>
            {add.label}
          </Button>
        }
      />
      <div className="p-4">{children}</div>
      {dialogs}
    </Card>
  );
}
