import { MAIL_FILE, SMTP_PORT, startMailSink } from "./mailbox";

/** Starts the SMTP sink the server under test mails to (see e2e/mailbox.ts); stops it after the run. */
export default async function globalSetup() {
  const server = await startMailSink(SMTP_PORT, MAIL_FILE);
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
