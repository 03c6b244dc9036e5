import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../../api/errors";
import { confirmError } from "./ConfirmEmailPage";
import { DeleteAccountForm } from "./DeleteAccount";
import { SecretOnce } from "./Webhooks";
import { canDelete, confirmationMatches, errorAt, exportFileName, fieldMessage, formLevel } from "./words";

describe("the typed confirmation", () => {
  it("holds only for DELETE, spaces around it forgiven", () => {
    expect(confirmationMatches("DELETE")).toBe(true);
    expect(confirmationMatches("  DELETE ")).toBe(true);
    expect(confirmationMatches("delete")).toBe(false);
    expect(confirmationMatches("DELET")).toBe(false);
    expect(confirmationMatches("DELETE IT")).toBe(false);
  });
  it("also needs the password and nothing in flight", () => {
    expect(canDelete("DELETE", "", false)).toBe(false);
    expect(canDelete("DELETE", "secret", true)).toBe(false);
    expect(canDelete("DELETE", "secret", false)).toBe(true);
  });
});

describe("DeleteAccountForm", () => {
  it("keeps the button off until DELETE is typed and the password given", async () => {
    const onDelete = vi.fn(() => Promise.resolve());
    const user = userEvent.setup();
    render(<DeleteAccountForm onDelete={onDelete} onCancel={() => undefined} />);
    const button = screen.getByRole("button", { name: "Delete my account for good" });
    expect(button).toBeDisabled();
    await user.type(screen.getByLabelText("Your password"), "a long and careful password");
    expect(button).toBeDisabled();
    await user.type(screen.getByLabelText("Type DELETE to confirm"), "delete");
    expect(button).toBeDisabled();
    await user.clear(screen.getByLabelText("Type DELETE to confirm"));
    await user.type(screen.getByLabelText("Type DELETE to confirm"), "DELETE");
    expect(button).toBeEnabled();
    await user.click(button);
    expect(onDelete).toHaveBeenCalledWith("a long and careful password");
  });

  it("says a wrong password at the field and keeps what was typed", async () => {
    const onDelete = vi.fn(() => Promise.reject(new ApiError("The request has invalid fields.", 422, "validation_error", { password: "password is incorrect; the account was not deleted" })));
    const user = userEvent.setup();
    render(<DeleteAccountForm onDelete={onDelete} onCancel={() => undefined} />);
    await user.type(screen.getByLabelText("Your password"), "wrong one");
    await user.type(screen.getByLabelText("Type DELETE to confirm"), "DELETE");
    await user.click(screen.getByRole("button", { name: "Delete my account for good" }));
    expect(await screen.findByText("This is not your password; the account was not deleted.")).toBeInTheDocument();
    expect(screen.getByLabelText("Your password")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Your password")).toHaveValue("wrong one");
    expect(screen.getByLabelText("Type DELETE to confirm")).toHaveValue("DELETE");
  });
});

describe("SecretOnce", () => {
  it("shows the secret once, says it will not be shown again, and copies it", async () => {
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue(undefined);
    const done = vi.fn();
    render(
      <SecretOnce
        created={{ id: "1", url: "https://hooks.example.com/pw", events: ["post.published"], active: true, created_at: "2026-12-01T10:00:00Z", secret: "whsec_abc123" }}
        onDone={done}
      />,
    );
    expect(screen.getByText(/you will not see it again/)).toBeInTheDocument();
    expect(screen.getByLabelText("Signing secret")).toHaveValue("whsec_abc123");
    await user.click(screen.getByRole("button", { name: "Copy the secret" }));
    expect(writeText).toHaveBeenCalledWith("whsec_abc123");
    expect(await screen.findByText("Copied to the clipboard.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "I have saved it" }));
    expect(done).toHaveBeenCalled();
  });
});

describe("field messages", () => {
  const error = new ApiError("Some fields need attention.", 422, "http_422", { current_password: "current_password is incorrect", url: "the host 'x' does not resolve" });
  it("puts the API's 422 in words at its field", () => {
    expect(errorAt(error, "current_password")).toBe("This is not your current password.");
    expect(errorAt(error, "url")).toBe("The host 'x' does not resolve");
    expect(errorAt(error, "email")).toBeUndefined();
    expect(fieldMessage("current_password", "current_password is required to change the email or password")).toMatch(/Type your current password/);
  });
  it("shows a form-level error only when no field on the form carries it", () => {
    expect(formLevel(error, ["current_password", "url"])).toBeNull();
    expect(formLevel(error, ["current_password"])).toBe(error);
    const throttled = new ApiError("Too many attempts.", 429, "rate_limited", {}, 30);
    expect(formLevel(throttled, ["current_password"])).toBe(throttled);
  });
  it("names the export after the day", () => {
    expect(exportFileName(new Date(2026, 11, 4))).toBe("postwright-export-2026-12-04.json");
  });
  it("explains a used or expired confirmation link", () => {
    expect(confirmError(new ApiError("x", 403, "forbidden")).message).toMatch(/invalid, already used or expired/);
  });
});

describe("ConfirmEmailPage", () => {
  it("asks before confirming and needs a token", async () => {
    const { default: ConfirmEmailPage } = await import("./ConfirmEmailPage");
    const client = new QueryClient();
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={["/confirm-email"]}>
          <ConfirmEmailPage />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(screen.getByRole("heading", { name: "Confirm your new e-mail address" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("This link has no token");
  });
});
