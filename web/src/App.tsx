import { lazy, Suspense, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { getState, refresh, SessionUnreachable, subscribe } from "./api/session";
import { Layout } from "./components/Layout";
import { ErrorNote, Spinner } from "./components/ui";
import { ApiError } from "./api/errors";
import { SignIn, SignUp } from "./features/auth/AuthPages";
import { Home } from "./features/home/Home";

// Screens past the first are loaded when first visited: sign-in and home stay light.
const Onboarding = lazy(() => import("./features/onboarding/Onboarding"));
const ImportPage = lazy(() => import("./features/import/ImportPage"));
const VoicePage = lazy(() => import("./features/voice/VoicePage"));
const EditorPage = lazy(() => import("./features/editor/EditorPage"));
const GeneratePage = lazy(() => import("./features/generate/GeneratePage"));
const CalendarPage = lazy(() => import("./features/calendar/CalendarPage"));
const QueuePage = lazy(() => import("./features/queue/QueuePage"));
const AccountsPage = lazy(() => import("./features/accounts/AccountsPage"));
const AccountCallback = lazy(() => import("./features/accounts/AccountCallback"));
const TemplatesPage = lazy(() => import("./features/templates/TemplatesPage"));
const MediaPage = lazy(() => import("./features/media/MediaPage"));
const CarouselBuilder = lazy(() => import("./features/media/CarouselBuilder"));
const AnalyticsPage = lazy(() => import("./features/analytics/AnalyticsPage"));
const SettingsPage = lazy(() => import("./features/settings/SettingsPage"));
const ConfirmEmailPage = lazy(() => import("./features/settings/ConfirmEmailPage"));
const WorkspacePage = lazy(() => import("./features/workspaces/WorkspacePage"));
const AcceptInvitationPage = lazy(() => import("./features/invitations/AcceptInvitationPage"));

export function useSession() {
  return useSyncExternalStore(subscribe, getState);
}

/** On first load, spend the session cookie (if any) once; then render signed in or out. */
function SessionGate(props: { children: ReactNode }) {
  const state = useSession();
  const [problem, setProblem] = useState<SessionUnreachable | null>(null);
  useEffect(() => {
    if (getState() !== "unknown") return;
    refresh().catch((error: unknown) => {
      if (error instanceof SessionUnreachable) setProblem(error);
    });
  }, []);
  if (state === "unknown") {
    return (
      <main id="main">
        {problem ? (
          <ErrorNote error={new ApiError(problem.message, null, "session", {}, problem.retryAfter)} />
        ) : (
          <Spinner label="Opening Postwright…" />
        )}
      </main>
    );
  }
  return <>{props.children}</>;
}

function RequireAuth(props: { children: ReactNode }) {
  const state = useSession();
  const location = useLocation();
  if (state !== "signed-in") {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Layout>{props.children}</Layout>;
}

function Screen(props: { children: ReactNode }) {
  return (
    <RequireAuth>
      <Suspense fallback={<Spinner label="Loading…" />}>{props.children}</Suspense>
    </RequireAuth>
  );
}

export function App() {
  return (
    <SessionGate>
      <Routes>
        <Route path="/sign-in" element={<SignIn />} />
        <Route path="/sign-up" element={<SignUp />} />
        {/* The e-mail change link: opened on any device, signed in or not (the page has its own main). */}
        <Route path="/confirm-email" element={<Suspense fallback={<Spinner label="Loading…" />}><ConfirmEmailPage /></Suspense>} />
        <Route path="/" element={<Screen><Home /></Screen>} />
        <Route path="/onboarding" element={<Screen><Onboarding /></Screen>} />
        <Route path="/import" element={<Screen><ImportPage /></Screen>} />
        <Route path="/voice" element={<Screen><VoicePage /></Screen>} />
        <Route path="/drafts/:draftId" element={<Screen><EditorPage /></Screen>} />
        <Route path="/generate" element={<Screen><GeneratePage /></Screen>} />
        <Route path="/calendar" element={<Screen><CalendarPage /></Screen>} />
        <Route path="/queue" element={<Screen><QueuePage /></Screen>} />
        <Route path="/accounts" element={<Screen><AccountsPage /></Screen>} />
        <Route path="/accounts/:platform/callback" element={<Screen><AccountCallback /></Screen>} />
        <Route path="/templates" element={<Screen><TemplatesPage /></Screen>} />
        <Route path="/media" element={<Screen><MediaPage /></Screen>} />
        <Route path="/media/carousel" element={<Screen><CarouselBuilder /></Screen>} />
        <Route path="/analytics" element={<Screen><AnalyticsPage /></Screen>} />
        <Route path="/settings" element={<Screen><SettingsPage /></Screen>} />
        <Route path="/workspace" element={<Screen><WorkspacePage /></Screen>} />
        {/* The invitation link from the e-mail: signed in first (sign-in comes back here with ?next=). */}
        <Route path="/invitations/accept" element={<Screen><AcceptInvitationPage /></Screen>} />
        <Route path="*" element={<Screen><NotFoundPage /></Screen>} />
      </Routes>
    </SessionGate>
  );
}

function NotFoundPage() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Go to your home page</a>.
      </p>
    </>
  );
}
