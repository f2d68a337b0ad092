import Link from "next/link";

export function Logo({ href = "/" }: { href?: string }) {
  return (
    <Link href={href} className="flex items-center gap-2 font-semibold tracking-tight" aria-label="Apolo Console home">
      <svg viewBox="0 0 24 24" className="size-6 text-accent" aria-hidden>
        <path fill="currentColor" d="M12 2 3 21h4.2l1.6-3.6h6.4l1.6 3.6H21L12 2Zm0 7.6 2.1 4.8H9.9L12 9.6Z" />
      </svg>
      <span className="hidden sm:inline">Apolo Console</span>
    </Link>
  );
}
