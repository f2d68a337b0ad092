"use client";

import { Switch as S } from "radix-ui";
import type { ComponentProps } from "react";
import { cn } from "./cn";

/** An on/off switch (Radix: a button with role="switch", Space and Enter toggle it). Label it with a <Label>. */
export function Switch({ className, ...rest }: ComponentProps<typeof S.Root>) {
  return (
    <S.Root
      className={cn(
        "relative inline-flex h-5 w-9 shrink-0 cursor-pointer items-center rounded-full border border-transparent",
        "bg-border-strong transition-colors data-[state=checked]:bg-accent",
        "focus-visible:ring-2 focus-visible:ring-accent/40 focus-visible:outline-none",
        "disabled:cursor-not-allowed disabled:opacity-60",
        className,
      )}
      {...rest}
    >
      <S.Thumb
        className={cn(
          "pointer-events-none block size-4 translate-x-0.5 rounded-full bg-canvas shadow-sm ring-0",
          "transition-transform data-[state=checked]:translate-x-[18px]",
        )}
      />
    </S.Root>
  );
}
