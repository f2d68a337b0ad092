import type { MailMessage } from "./mail";

/** The mail the product sends. Plain text: it reads the same in every client. */

export function invitationMail(p: {
  to: string;
  orgName: string;
  role: string;
  inviter: string;
  link: string;
  expiresAt: Date;
}): MailMessage {
  return {
    to: p.to,
    subject: `${p.inviter} invited you to ${p.orgName} on Apolo`,
    text: [
      `${p.inviter} invited you to join the organization '${p.orgName}' on Apolo as ${p.role}.`,
      ``,
      `Accept the invitation: ${p.link}`,
      ``,
      `The link works once, for this email address, until ${p.expiresAt.toUTCString()}.`,
      `If you don't want to join, ignore this message or decline from the link.`,
    ].join("\n"),
  };
}

export function memberAddedMail(p: {
  to: string;
  orgName: string;
  role: string;
  inviter: string;
  link: string;
}): MailMessage {
  return {
    to: p.to,
    subject: `You were added to ${p.orgName} on Apolo`,
    text: [
      `${p.inviter} added you to the organization '${p.orgName}' on Apolo as ${p.role}.`,
      ``,
      `Open it: ${p.link}`,
      `You now share its clusters and credits. Use it from the CLI with: apolo config switch-org ${p.orgName}`,
    ].join("\n"),
  };
}

export function verifyEmailMail(p: { to: string; username: string; link: string }): MailMessage {
  return {
    to: p.to,
    subject: "Verify your email address for Apolo",
    text: [
      `Hi ${p.username},`,
      ``,
      `Confirm that this address is yours: ${p.link}`,
      ``,
      `The link works for 24 hours. If you didn't create an Apolo account, ignore this message.`,
    ].join("\n"),
  };
}
