import type { SelectHTMLAttributes } from "react";
import { cn } from "./cn";

/** A native select styled like the inputs: keyboard and screen-reader behaviour come for free. */
export function Select({
  className,
  invalid,
  ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { invalid?: boolean }) {
  return (
    <select
      aria-invalid={invalid || undefined}
      className={cn(
        "block h-9 w-full rounded-md border bg-canvas px-2.5 text-sm text-fg focus:ring-2 focus:ring-accent/40 focus:outline-none",
        invalid ? "border-danger" : "border-border-strong focus:border-accent",
        className,
      )}
      {...rest}
    />
  );
}
