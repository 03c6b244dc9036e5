import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function AccountCallback() {
  return <PageTitle>Connecting your account</PageTitle>;
}
