import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function QueuePage() {
  return <PageTitle>Queue and recurring schedules</PageTitle>;
}
