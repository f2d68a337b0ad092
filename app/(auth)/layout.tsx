import { CenteredShell } from "@/components/brand/centered-shell";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return <CenteredShell className="w-full max-w-sm">{children}</CenteredShell>;
}
