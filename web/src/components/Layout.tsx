import { useEffect, useRef, useState, type ReactNode } from "react";
import { NavLink, useLocation, useNavigate } from "react-router";
import { signOut } from "../api/session";
import { WorkspaceSwitcher } from "../features/workspaces/Switcher";
import { WorkspaceGate } from "../features/workspaces/WorkspaceGate";

const LINKS: { to: string; label: string }[] = [
  { to: "/", label: "Home" },
  { to: "/drafts/new", label: "Write" },
  { to: "/generate", label: "Generate" },
  { to: "/calendar", label: "Calendar" },
  { to: "/queue", label: "Queue" },
  { to: "/analytics", label: "Analytics" },
  { to: "/voice", label: "Your voice" },
  { to: "/import", label: "Import" },
  { to: "/templates", label: "Templates" },
  { to: "/media", label: "Media" },
  { to: "/accounts", label: "Accounts" },
  { to: "/workspace", label: "Team" },
  { to: "/settings", label: "Settings" },
];

export function Layout(props: { children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const mainRef = useRef<HTMLElement>(null);
  // On a phone the links fold behind a Menu button (11 links would fill the first screen); wider, always shown.
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);
  // A new screen: its heading takes the focus, so keyboard and screen-reader users start at the top of it.
  useEffect(() => {
    document.title = `${mainRef.current?.querySelector("h1")?.textContent ?? "Postwright"} · Postwright`;
    const heading = mainRef.current?.querySelector<HTMLElement>("h1");
    if (heading && document.activeElement === document.body) heading.focus();
  }, [location.pathname]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="app-header-inner">
          <a className="brand" href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }}>
            Postwright
          </a>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="main-nav-links workspace-switcher"
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <nav className="main-nav" aria-label="Main">
            <ul id="main-nav-links" className={menuOpen ? "open" : undefined}>
              {LINKS.map((link) => (
                <li key={link.to}>
                  <NavLink to={link.to} end>
                    {link.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <WorkspaceSwitcher id="workspace-switcher" open={menuOpen} />
          <div className="header-end">
            <button
              type="button"
              onClick={() => {
                void signOut().then(() => navigate("/sign-in"));
              }}
            >
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <WorkspaceGate>{props.children}</WorkspaceGate>
      </main>
    </>
  );
}
