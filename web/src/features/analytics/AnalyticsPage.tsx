import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function AnalyticsPage() {
  return <PageTitle>Analytics</PageTitle>;
}
