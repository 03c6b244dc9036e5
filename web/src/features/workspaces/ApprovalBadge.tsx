import { useWorkspace } from "./current";
import { APPROVAL_WORDS, approvalShown, type Approval } from "./words";
import "./approval.css";

/** A draft's approval state as a badge with its words ("Waiting for approval"); nothing where it means nothing. */
export function ApprovalBadge(props: { approval: Approval | undefined; className?: string }) {
  const workspace = useWorkspace();
  const shown = approvalShown(props.approval, workspace?.needs_approval ?? false);
  if (!shown) return null;
  return (
    <span className={`approval-badge approval-${shown}${props.className ? ` ${props.className}` : ""}`}>
      <span className="sr-only">Approval: </span>
      {APPROVAL_WORDS[shown]}
    </span>
  );
}
