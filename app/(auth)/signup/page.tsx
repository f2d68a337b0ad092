import type { Metadata } from "next";
import { OAuthButtons } from "../oauth-buttons";
import { SignUpForm } from "./signup-form";

export const metadata: Metadata = { title: "Create an account" };

export default function SignUpPage() {
  return (
    <div className="rounded-xl border border-border bg-canvas p-6 shadow-sm">
      <h1 className="text-lg font-semibold">Create your Apolo account</h1>
      <p className="mt-1 mb-5 text-sm text-muted">Then create an organization or join your team&apos;s.</p>
      <OAuthButtons callbackUrl="/" />
      <SignUpForm />
    </div>
  );
}
