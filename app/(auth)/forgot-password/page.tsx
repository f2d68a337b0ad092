import type { Metadata } from "next";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <div className="rounded-xl border border-border bg-canvas p-6 shadow-sm">
      <h1 className="text-lg font-semibold">Forgot your password?</h1>
      <p className="mt-1 mb-5 text-sm text-muted">
        Enter your account&apos;s email address and we&apos;ll send you a link to choose a new one.
      </p>
      <ForgotPasswordForm />
    </div>
  );
}
