import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function AccountsPage() {
  return <PageTitle>Connected accounts</PageTitle>;
}
