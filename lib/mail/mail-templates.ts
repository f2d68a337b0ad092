import type { MailMessage } from "./mail";
import { formatCredits, isNonPositive } from "../core/money";
import { describeDuration, describeInterval, formatRate } from "../billing/projection-view";

/** The mail the product sends. Plain text: it reads the same in every client. */

function mail(to: string, subject: string, lines: string[]): MailMessage {
  return { to, subject, text: lines.join("\n") };
}

/** What every mail about joining an org names. */
interface OrgNotice {
  to: string;
  orgName: string;
  role: string;
  inviter: string;
  link: string;
}

export function invitationMail(p: OrgNotice & { expiresAt: Date }): MailMessage {
  return mail(p.to, `${p.inviter} invited you to ${p.orgName} on Apolo`, [
    `${p.inviter} invited you to join the organization '${p.orgName}' on Apolo as ${p.role}.`,
    ``,
    `Accept the invitation: ${p.link}`,
    ``,
    `The link works once, for this email address, until ${p.expiresAt.toUTCString()}.`,
    `If you don't want to join, ignore this message or decline from the link.`,
  ]);
}

/** Notice of an invitation bound to an account (by username): accepted in the console, so the mail has no token. */
export function accountInvitationMail(p: OrgNotice & { username: string; expiresAt: Date }): MailMessage {
  return mail(p.to, `${p.inviter} invited you to ${p.orgName} on Apolo`, [
    `${p.inviter} invited your Apolo account '${p.username}' to join the organization '${p.orgName}' as ${p.role}.`,
    ``,
    `Sign in and accept or decline it on your Invitations page: ${p.link}`,
    ``,
    `Nothing changes until you accept. The invitation is valid until ${p.expiresAt.toUTCString()}.`,
    `If you have no Apolo account named '${p.username}', ignore this message.`,
  ]);
}

export function memberAddedMail(p: OrgNotice): MailMessage {
  return mail(p.to, `You were added to ${p.orgName} on Apolo`, [
    `${p.inviter} added you to the organization '${p.orgName}' on Apolo as ${p.role}.`,
    ``,
    `Open it: ${p.link}`,
    `You now share its clusters and credits. Use it from the CLI with: apolo config switch-org ${p.orgName}`,
  ]);
}

export function verifyEmailMail(p: { to: string; username: string; link: string }): MailMessage {
  return mail(p.to, "Verify your email address for Apolo", [
    `Hi ${p.username},`,
    ``,
    `Confirm that this address is yours: ${p.link}`,
    ``,
    `The link works for 24 hours. If you didn't create an Apolo account, ignore this message.`,
  ]);
}

export function lowBalanceMail(p: {
  to: string;
  orgName: string;
  threshold: string;
  balance: string;
  link: string;
}): MailMessage {
  return mail(p.to, `${p.orgName}: credit balance fell to ${formatCredits(p.balance)}`, [
    `The credit balance of '${p.orgName}' fell below ${formatCredits(p.threshold)} and is now ${formatCredits(p.balance)}.`,
    isNonPositive(p.balance)
      ? `Running jobs are stopped until the balance is topped up.`
      : `Top up before it runs out: ${p.link}`,
    ``,
    `Credits: ${p.link}`,
  ]);
}

const utcDateTime = new Intl.DateTimeFormat("en-US", {
  weekday: "short",
  month: "short",
  day: "numeric",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

/**
 * A warning by projection (lib/billing/projection-notices.ts), Apolo's OrgCreditsWillRunOutSoon{org_name, credits,
 * applied_threshold, seconds_left, spending_per_second}: the balance, the rate (per hour here), when it runs out
 * (UTC), and where to top up and to change the warnings.
 */
export function creditsRunOutSoonMail(p: {
  to: string;
  orgName: string;
  /** The balance now (decimal string). */
  credits: string;
  /** The interval crossed, whole seconds (one of orgs.balance_projection_seconds). */
  appliedThreshold: number;
  secondsLeft: number;
  /** Credits per hour (decimal string). */
  ratePerHour: string;
  runsOutAt: Date;
  creditsLink: string;
  settingsLink: string;
}): MailMessage {
  const duration = describeDuration(p.secondsLeft);
  return mail(p.to, `${p.orgName}: credits run out in ${duration}`, [
    `At the current rate, the credits of '${p.orgName}' run out in ${duration}.`,
    ``,
    `Balance: ${formatCredits(p.credits)} credits`,
    `Spending: ${formatRate(p.ratePerHour)} credits per hour`,
    `Projected to run out: ${utcDateTime.format(p.runsOutAt)} UTC`,
    ``,
    `Top up before it runs out: ${p.creditsLink}`,
    ``,
    `This is the warning for ${describeInterval(p.appliedThreshold)} before the credits run out; you get it once until a top-up pushes the date back out.`,
    `Admins change these warnings in Settings → General: ${p.settingsLink}`,
  ]);
}

export function receiptMail(p: {
  to: string;
  orgName: string;
  credits: string;
  amount: string;
  currency: string;
  balance: string;
  link: string;
}): MailMessage {
  return mail(p.to, `Receipt: ${formatCredits(p.credits)} credits for ${p.orgName}`, [
    `Thank you. ${formatCredits(p.credits)} credits were added to '${p.orgName}'.`,
    `Paid: ${p.amount} ${p.currency.toUpperCase()}`,
    `New balance: ${formatCredits(p.balance)} credits`,
    ``,
    `Credits and history: ${p.link}`,
  ]);
}

export function jobRefusedMail(p: {
  to: string;
  orgName: string;
  jobName: string;
  reason: string;
  link: string;
}): MailMessage {
  return mail(p.to, `Job '${p.jobName}' could not start in ${p.orgName}`, [
    `Your job '${p.jobName}' in '${p.orgName}' was not started: ${p.reason}.`,
    ``,
    `Credits: ${p.link}`,
  ]);
}

export function passwordResetMail(p: { to: string; username: string; link: string; expiresAt: Date }): MailMessage {
  return mail(p.to, "Reset your Apolo password", [
    `Someone (hopefully you) asked to reset the password of the Apolo account '${p.username}'.`,
    ``,
    `Choose a new password: ${p.link}`,
    ``,
    `The link works once, until ${p.expiresAt.toUTCString()}. Setting the new password signs every browser`,
    `out of the account. If you didn't ask for this, ignore this message: your password stays as it is.`,
  ]);
}

/** Sent to the NEW address of an email change: following the link makes it the account's address. */
export function emailChangeMail(p: {
  to: string;
  username: string;
  oldEmail: string | null;
  link: string;
}): MailMessage {
  return mail(p.to, "Confirm your new email address for Apolo", [
    `Hi ${p.username},`,
    ``,
    p.oldEmail
      ? `You asked to change the email address of your Apolo account from ${p.oldEmail} to this one.`
      : `You asked to use this address for your Apolo account.`,
    `Confirm that this address is yours: ${p.link}`,
    ``,
    `The link works once, for 24 hours. Until you follow it, your account keeps its current address.`,
    `If you didn't ask for this, ignore this message.`,
  ]);
}

/** Sent to the OLD address once a verified email change replaced it. */
export function emailChangedMail(p: { to: string; username: string; newEmail: string; link: string }): MailMessage {
  return mail(p.to, "Your Apolo email address was changed", [
    `Hi ${p.username},`,
    ``,
    `The email address of your Apolo account ${p.username} was changed from ${p.to} to ${p.newEmail}.`,
    `Mail about the account, invitations and password resets now goes to the new address.`,
    ``,
    `If you didn't do this, someone else may have access to your account: sign in and change your password`,
    `at once (${p.link}), or ask an administrator of your organization for help.`,
  ]);
}

/** To the org's admins: an automatic top-up was credited. */
export function autoTopUpMail(p: {
  to: string;
  orgName: string;
  credits: string;
  amount: string;
  currency: string;
  /** The Stripe PaymentIntent; null in the sandbox. */
  ref: string | null;
  /** The console's payment id (named in the sandbox, where there is no PaymentIntent). */
  paymentId: string;
  balance: string;
  link: string;
}): MailMessage {
  return mail(p.to, `${p.orgName}: ${formatCredits(p.credits)} credits added automatically`, [
    `The balance of '${p.orgName}' fell below its automatic top-up threshold, so ${formatCredits(p.credits)} credits were added.`,
    p.ref
      ? `Charged: ${p.amount} ${p.currency.toUpperCase()} to the saved card (${p.ref})`
      : `Sandbox: no money moved (payment ${p.paymentId}).`,
    `New balance: ${formatCredits(p.balance)} credits`,
    ``,
    `Credits and history: ${p.link}`,
  ]);
}

/** To the org's admins: the system turned automatic top-up off (a declined card, the monthly cap). */
export function autoTopUpOffMail(p: { to: string; orgName: string; reason: string; link: string }): MailMessage {
  return mail(p.to, `${p.orgName}: automatic top-up turned off`, [
    `Automatic top-up of '${p.orgName}' was turned off: ${p.reason}`,
    `No more credits will be added automatically until an admin turns it on again.`,
    ``,
    `Settings: ${p.link}`,
  ]);
}
