"use client";

import { useState } from "react";
import { Button } from "./button";
import { useToast } from "./toast";

export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const toast = useToast();
  return (
    <Button
      variant="secondary"
      size="sm"
      aria-label={`${label}: ${value}`}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          toast("Copied to clipboard");
          setTimeout(() => setCopied(false), 1500);
        } catch {
          toast("Couldn't copy: select the text and copy it yourself.", "error");
        }
      }}
    >
      {copied ? "Copied" : label}
    </Button>
  );
}

/** A link shown in full (truncated to the line) with a button that copies it. */
export function CopyableLink({ link, testId, compact = false }: { link: string; testId: string; compact?: boolean }) {
  return (
    <div className="flex items-center gap-2">
      <code
        className={`min-w-0 flex-1 truncate rounded bg-subtle px-2 ${compact ? "py-1" : "py-1.5"} font-mono text-xs`}
        data-testid={testId}
      >
        {link}
      </code>
      <CopyButton value={link} label="Copy link" />
    </div>
  );
}
