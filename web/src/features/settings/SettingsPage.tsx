import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function SettingsPage() {
  return <PageTitle>Settings</PageTitle>;
}
