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
