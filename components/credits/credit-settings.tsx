"use client";

import { useState, useTransition } from "react";
import { saveCreditSettingsAction } from "@/app/actions";
import { Button } from "@/components/ui/button";
import { Field, Label } from "@/components/ui/field";
import { Select } from "@/components/ui/select";
import { useToast } from "@/components/ui/toast";
import { MAX_LENGTH } from "@/lib/core/limits";

/** Org credit settings: default limit for new users (managers+), who may top up (admins). */
export function CreditSettings({
  org,
  defaultUserCreditLimit,
  topUpMinRole,
  canChangeTopUp,
}: {
  org: string;
  defaultUserCreditLimit: string;
  topUpMinRole: "user" | "manager" | "admin";
  canChangeTopUp: boolean;
}) {
  const [limit, setLimit] = useState(defaultUserCreditLimit);
  const [role, setRole] = useState(topUpMinRole);
  const [error, setError] = useState<string>();
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  return (
    <form
      className="space-y-4 px-5 py-4"
      onSubmit={(e) => {
        e.preventDefault();
        startTransition(async () => {
          const r = await saveCreditSettingsAction(org, limit, canChangeTopUp ? role : undefined);
          if (r.ok) {
            setError(undefined);
            toast("Credit settings saved.");
          } else setError(r.message);
        });
      }}
    >
      <Field
        label="Default credit limit for new users"
        name="defaultUserCreditLimit"
        maxLength={MAX_LENGTH.creditLimit}
        inputMode="decimal"
        placeholder="Unlimited"
        value={limit}
        onChange={(e) => setLimit(e.target.value)}
        hint="Given to members who join with the role user. Managers and admins start unlimited. Empty = unlimited."
        errors={error ? [error] : undefined}
      />
      {canChangeTopUp && (
        <div className="space-y-1.5">
          <Label htmlFor="top-up-role">Who can top up</Label>
          <Select
            id="top-up-role"
            value={role}
            onChange={(e) => setRole(e.target.value as typeof role)}
            className="max-w-xs"
          >
            <option value="user">Every member</option>
            <option value="manager">Managers and admins</option>
            <option value="admin">Admins only</option>
          </Select>
        </div>
      )}
      <Button type="submit" pending={pending}>
        Save credit settings
      </Button>
    </form>
  );
}
