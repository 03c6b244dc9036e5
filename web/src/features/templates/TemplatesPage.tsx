import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function TemplatesPage() {
  return <PageTitle>Templates</PageTitle>;
}
