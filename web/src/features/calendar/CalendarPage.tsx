import { PageTitle } from "../../components/ui";

// Placeholder: this screen is being built.
export default function CalendarPage() {
  return <PageTitle>Calendar</PageTitle>;
}
