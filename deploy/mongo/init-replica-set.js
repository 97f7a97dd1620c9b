// Initiate the MongoDB replica set (once) and create linkspider's application user (once).
// Idempotent: run it on every `docker compose up` or as a Kubernetes Job; a second run changes nothing
// except re-syncing the application user's password with its secret.
//
//   mongosh --nodb --quiet --file init-replica-set.js
//
// Environment:
//   MONGO_INIT_URI        member to initiate from (default mongodb://mongo:27017/admin?directConnection=true)
//   RS_NAME               replica set name (default rs0)
//   RS_MEMBERS            comma-separated host:port of every member; the first becomes the preferred primary
//   ROOT_USERNAME_FILE    file holding the root user's name      (a mounted secret)
//   ROOT_PASSWORD_FILE    file holding the root user's password  (a mounted secret)
//   APP_PASSWORD_FILE     file holding the password of user `linkspider` (readWrite on APP_DB)
//   APP_DB                the database linkspider writes (default linkspider, = MONGO_DATABASE)
const fs = require('fs');
const env = process.env;
const readSecret = (name) => {
  if (!env[name]) throw new Error(`${name} is not set`);
  return fs.readFileSync(env[name], 'utf8').trim();
};
const NOT_YET_INITIALIZED = 94;

const rsName = env.RS_NAME || 'rs0';
const members = (env.RS_MEMBERS || 'mongo:27017').split(',').map((s) => s.trim()).filter(Boolean);
const appDb = env.APP_DB || 'linkspider';

// Explicit commands on an explicit connection: no reliance on the shell's global `db` or `rs`.
const admin = connect(env.MONGO_INIT_URI || 'mongodb://mongo:27017/admin?directConnection=true');
admin.auth(readSecret('ROOT_USERNAME_FILE'), readSecret('ROOT_PASSWORD_FILE'));

const command = (cmd) => {
  const reply = admin.adminCommand(cmd);
  if (reply.ok !== 1) {
    const error = new Error(`${Object.keys(cmd)[0]} failed: ${reply.errmsg}`);
    error.code = reply.code;
    throw error;
  }
  return reply;
};

let initiated = true;
try {
  command({ replSetGetStatus: 1 });
} catch (e) {
  if (e.code !== NOT_YET_INITIALIZED) throw e;
  initiated = false;
}
if (!initiated) {
  command({
    replSetInitiate: {
      _id: rsName,
      members: members.map((host, i) => ({ _id: i, host, priority: i === 0 ? 2 : 1 })),
    },
  });
  print(`initiated replica set ${rsName}: ${members.join(', ')}`);
}

for (let i = 0; i < 120 && !command({ hello: 1 }).isWritablePrimary; i++) sleep(1000);
if (!command({ hello: 1 }).isWritablePrimary) throw new Error('no writable primary after 120 s');

const roles = [{ role: 'readWrite', db: appDb }];
const target = admin.getSiblingDB(appDb);
if (target.getUser('linkspider') === null) {
  target.createUser({ user: 'linkspider', pwd: readSecret('APP_PASSWORD_FILE'), roles });
  print(`created user linkspider on ${appDb}`);
} else {
  target.updateUser('linkspider', { pwd: readSecret('APP_PASSWORD_FILE'), roles });
  print(`user linkspider on ${appDb} is up to date`);
}
