import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from './stores/session.js';

// Views are split per module (web/src/views/<module>/) and loaded on demand.
const routes = [
  { path: '/', redirect: { name: 'children' } },
  {
    path: '/signin',
    name: 'signin',
    component: () => import('./views/auth/SignInView.vue'),
    meta: { guestOnly: true, title: 'signin.title' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('./views/auth/RegisterView.vue'),
    meta: { guestOnly: true, title: 'register.title' },
  },
  {
    path: '/children',
    name: 'children',
    component: () => import('./views/children/ChildrenListView.vue'),
    meta: { requiresAuth: true, title: 'children.title' },
  },
  {
    path: '/children/new',
    name: 'child-new',
    component: () => import('./views/children/ChildEditView.vue'),
    meta: { requiresAuth: true, title: 'children.addTitle' },
  },
  {
    path: '/children/:id',
    name: 'child',
    component: () => import('./views/children/ChildEditView.vue'),
    props: true,
    meta: { requiresAuth: true, title: 'children.editTitle' },
  },
  {
    path: '/profile',
    name: 'profile',
    component: () => import('./views/profile/ProfileView.vue'),
    meta: { requiresAuth: true, title: 'profile.title' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./views/NotFoundView.vue'),
    meta: { title: 'notFound.title' },
  },
];

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior(to, from, saved) {
    return saved || { top: 0 };
  },
});

router.beforeEach((to) => {
  const session = useSessionStore();
  if (to.meta.requiresAuth && !session.signedIn) {
    return { name: 'signin', query: to.fullPath !== '/children' ? { redirect: to.fullPath } : {} };
  }
  if (to.meta.guestOnly && session.signedIn) {
    return { name: 'children' };
  }
  return true;
});

/** Only same-app paths are accepted as a post-sign-in destination. */
export function safeRedirect(value) {
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) return value;
  return '/children';
}
